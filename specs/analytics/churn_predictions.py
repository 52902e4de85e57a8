# Churn scores of the customers active at the scoring cutoff: a gradient-boosted classifier
# (scikit-learn, fixed random_state) trained on the features and labels as of the training
# cutoff (churn_features, role 'train') and applied to the features as of the scoring cutoff.
# Python model: DuckDB only.
from sklearn.ensemble import GradientBoostingClassifier

FEATURES = ["recency_days", "frequency", "monetary", "avg_order_value", "orders_90d", "tenure_days", "tickets"]


def model(dbt, session):
    features = dbt.ref("churn_features").df().sort_values(["role", "customer_id"], kind="stable")
    train = features[features["role"] == "train"]
    test = features[features["role"] == "test"].reset_index(drop=True)
    classifier = GradientBoostingClassifier(random_state=0)
    classifier.fit(train[FEATURES].astype(float).to_numpy(), train["label"].astype(bool).to_numpy())
    out = test[["customer_id", "cutoff_date", "label"]].copy()
    out["score"] = classifier.predict_proba(test[FEATURES].astype(float).to_numpy())[:, 1]
    return session.from_df(out).project(
        "cast(customer_id as varchar) as customer_id, cast(cutoff_date as date) as cutoff_date, "
        "cast(score as double) as score, cast(label as boolean) as label"
    )
