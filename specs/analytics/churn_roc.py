# The ROC curve of the churn scores against the labels (scikit-learn's roc_curve; the first
# point's threshold, infinite there, is written as 1). Python model: DuckDB only.
import numpy as np
import pandas as pd
from sklearn.metrics import roc_curve


def model(dbt, session):
    predictions = dbt.ref("churn_predictions").df().sort_values("customer_id", kind="stable")
    fpr, tpr, thresholds = roc_curve(predictions["label"].astype(bool), predictions["score"].astype(float))
    thresholds = np.where(np.isfinite(thresholds), thresholds, 1.0)
    out = pd.DataFrame({"fpr": fpr, "tpr": tpr, "threshold": thresholds})
    return session.from_df(out).project(
        "cast(fpr as double) as fpr, cast(tpr as double) as tpr, cast(threshold as double) as threshold"
    )
