#!/usr/bin/env bash
# Runs a split `lab compile` as an AWS Batch array job, then merges the parts.
#
#   PARTS=16 QUEUE=my-queue bash tools/aws-batch/submit.sh
#
# Needs the AWS CLI, a job queue, and the job definition of tools/aws-batch/job-definition.json
# registered (`aws batch register-job-definition --cli-input-json file://...`) with an image
# holding `lab` and the specs, and an EFS file system mounted at LAB_WORK. Array child i
# (AWS_BATCH_JOB_ARRAY_INDEX, 0-based) runs `--part i+1 --parts N` into LAB_WORK/part-<i+1>;
# the merge job, which depends on the whole array, runs `lab manifest merge` into
# LAB_WORK/lake. See docs/parts.md.
set -euo pipefail
PARTS="${PARTS:?set PARTS, the number of parts}"
QUEUE="${QUEUE:?set QUEUE, the Batch job queue}"
DEFINITION="${DEFINITION:-lab-part}"
WORK="${WORK:-/mnt/lab}"
[[ "$PARTS" =~ ^[1-9][0-9]*$ ]] || { echo "PARTS must be a whole number >= 1" >&2; exit 2; }
env_parts="{\"name\":\"LAB_PARTS\",\"value\":\"$PARTS\"}"
if [ "$PARTS" -ge 2 ]; then
  array=(--array-properties "size=$PARTS")
else
  # Batch arrays have at least 2 children: a single part runs as a plain job with index 0.
  array=()
  env_parts="$env_parts,{\"name\":\"AWS_BATCH_JOB_ARRAY_INDEX\",\"value\":\"0\"}"
fi
parts_job="$(aws batch submit-job --job-name lab-parts --job-queue "$QUEUE" \
  --job-definition "$DEFINITION" "${array[@]}" \
  --container-overrides "{\"environment\":[$env_parts]}" \
  --query jobId --output text)"
dirs=""
for k in $(seq 1 "$PARTS"); do dirs="$dirs $WORK/part-$k"; done
merge_job="$(aws batch submit-job --job-name lab-merge --job-queue "$QUEUE" \
  --job-definition "$DEFINITION" --depends-on "jobId=$parts_job" \
  --container-overrides "{\"command\":[\"/bin/sh\",\"-c\",\"lab manifest merge$dirs --specs /specs --out $WORK/lake\"]}" \
  --query jobId --output text)"
echo "parts: $parts_job (array of $PARTS), merge: $merge_job"
