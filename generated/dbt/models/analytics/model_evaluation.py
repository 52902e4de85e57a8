# Copied by lab from the specs' analytics/model_evaluation.py; do not edit.
# The baselines' evaluation, one row per model and metric beside its baseline:
#   churn         roc_auc vs a shuffled-label control (the same classifier trained on permuted
#                 labels), pr_auc vs the positive rate (a random ranking's PR-AUC);
#   recommender   hit_rate_at_10 and recall_at_10 vs popularity (the ten most ordered products
#                 before the cutoff, for everyone), over the customers with a recommendation who
#                 order after the cutoff; bought products are not excluded;
#   demand_forecast  wape and mae of the seasonal forecast vs the naive one, over the held-back
#                 weeks.
# Python model: DuckDB only.
import numpy as np
import pandas as pd
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.metrics import average_precision_score, roc_auc_score

FEATURES = ["recency_days", "frequency", "monetary", "avg_order_value", "orders_90d", "tenure_days", "tickets"]


def churn_rows(dbt):
    predictions = dbt.ref("churn_predictions").df().sort_values("customer_id", kind="stable")
    features = dbt.ref("churn_features").df().sort_values(["role", "customer_id"], kind="stable")
    train = features[features["role"] == "train"]
    test = features[features["role"] == "test"]
    labels = predictions["label"].astype(bool).to_numpy()
    auc = roc_auc_score(labels, predictions["score"].astype(float))
    shuffled = np.random.default_rng(0).permutation(train["label"].astype(bool).to_numpy())
    control = GradientBoostingClassifier(random_state=0).fit(train[FEATURES].astype(float).to_numpy(), shuffled)
    control_auc = roc_auc_score(
        test["label"].astype(bool).to_numpy(), control.predict_proba(test[FEATURES].astype(float).to_numpy())[:, 1]
    )
    pr_auc = average_precision_score(labels, predictions["score"].astype(float))
    return [
        ("churn", "roc_auc", auc, "shuffled_label_control", control_auc),
        ("churn", "pr_auc", pr_auc, "positive_rate", float(labels.mean())),
    ]


def recommender_rows(dbt):
    cutoff = pd.Timestamp(dbt.config.get("recommender_cutoff"))
    lines = dbt.ref("fct_order_lines").df()
    lines = lines[(lines["status"] != "cancelled") & lines["customer_key"].notna()]
    day = pd.to_datetime(lines["order_date_key"])
    train, held = lines[day < cutoff], lines[day >= cutoff]
    recs = dbt.ref("recommendations").df()
    held = held[held["customer_key"].isin(set(recs["customer_id"]))]
    bought = held.groupby("customer_key")["product_key"].apply(set)
    mine = recs[recs["rank"] <= 10].groupby("customer_id")["product_id"].apply(set)
    counts = train.groupby("product_key").size().reset_index(name="n")
    popular = set(counts.sort_values(["n", "product_key"], ascending=[False, True], kind="stable").head(10)["product_key"])
    hits, pop_hits, recall, pop_recall = [], [], [], []
    for customer, items in bought.items():
        top = mine.get(customer, set())
        hits.append(bool(items & top))
        pop_hits.append(bool(items & popular))
        recall.append(len(items & top) / len(items))
        pop_recall.append(len(items & popular) / len(items))
    return [
        ("recommender", "hit_rate_at_10", float(np.mean(hits)), "popularity", float(np.mean(pop_hits))),
        ("recommender", "recall_at_10", float(np.mean(recall)), "popularity", float(np.mean(pop_recall))),
    ]


def forecast_rows(dbt):
    f = dbt.ref("demand_forecast").df()
    f = f[f["is_holdout"].astype(bool)]
    actual = f["actual"].astype(float)
    err = (actual - f["forecast"].astype(float)).abs()
    naive = (actual - f["naive_forecast"].astype(float)).abs()
    return [
        ("demand_forecast", "wape", float(err.sum() / actual.sum()), "naive", float(naive.sum() / actual.sum())),
        ("demand_forecast", "mae", float(err.mean()), "naive", float(naive.mean())),
    ]


def model(dbt, session):
    rows = churn_rows(dbt) + recommender_rows(dbt) + forecast_rows(dbt)
    out = pd.DataFrame(rows, columns=["model", "metric", "value", "baseline", "baseline_value"])
    return session.from_df(out).project(
        "cast(model as varchar) as model, cast(metric as varchar) as metric, cast(value as double) as value, "
        "cast(baseline as varchar) as baseline, cast(baseline_value as double) as baseline_value"
    )
