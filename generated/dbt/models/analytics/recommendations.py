# Copied by lab from the specs' analytics/recommendations.py; do not edit.
# Ten product recommendations per customer, learnt from the order lines before the cutoff
# (config recommender_cutoff): the customer's share of lines in each category times the
# product's share of its category's lines (popularity within the category), plus a tie-breaking
# touch of overall popularity. Bought products are not excluded (customers buy again). Every
# customer with a line before the cutoff gets ten. Python model: DuckDB only.
import pandas as pd


def training_lines(dbt):
    """The order lines before the cutoff that were not cancelled: customer, product, category."""
    cutoff = dbt.config.get("recommender_cutoff")
    lines = dbt.ref("fct_order_lines").df()
    products = dbt.ref("dim_product").df()
    return _join(lines, products, cutoff)


def _join(lines, products, cutoff):
    lines = lines[(lines["status"] != "cancelled") & lines["customer_key"].notna()]
    lines = lines[pd.to_datetime(lines["order_date_key"]) < pd.Timestamp(cutoff)]
    merged = lines.merge(products[["product_key", "category"]], on="product_key", how="inner")
    return merged.rename(columns={"customer_key": "customer_id", "product_key": "product_id"})[
        ["customer_id", "product_id", "category"]
    ]


def model(dbt, session):
    lines = training_lines(dbt)
    k = 10
    product_lines = lines.groupby(["category", "product_id"]).size().rename("n").reset_index()
    product_lines["within"] = product_lines["n"] / product_lines.groupby("category")["n"].transform("sum")
    product_lines["overall"] = product_lines["n"] / product_lines["n"].sum()
    # The k most popular products of each category are every customer's candidates there.
    top = (
        product_lines.sort_values(["category", "n", "product_id"], ascending=[True, False, True], kind="stable")
        .groupby("category")
        .head(k)
    )
    taste = lines.groupby(["customer_id", "category"]).size().rename("c").reset_index()
    taste["share"] = taste["c"] / taste.groupby("customer_id")["c"].transform("sum")
    candidates = taste.merge(top, on="category")
    candidates["score"] = candidates["share"] * candidates["within"] + 1e-3 * candidates["overall"]
    # Customers whose categories offer fewer than k candidates are topped up by overall popularity.
    popular = product_lines.sort_values(["n", "product_id"], ascending=[False, True], kind="stable").head(k)
    fill = taste[["customer_id"]].drop_duplicates().merge(popular[["product_id", "overall"]], how="cross")
    fill["score"] = 1e-6 * fill["overall"]
    scored = pd.concat([candidates[["customer_id", "product_id", "score"]], fill[["customer_id", "product_id", "score"]]])
    scored = scored.groupby(["customer_id", "product_id"], as_index=False)["score"].max()
    scored = scored.sort_values(["customer_id", "score", "product_id"], ascending=[True, False, True], kind="stable")
    scored["rank"] = scored.groupby("customer_id").cumcount() + 1
    out = scored[scored["rank"] <= k][["customer_id", "rank", "product_id"]].reset_index(drop=True)
    return session.from_df(out).project(
        "cast(customer_id as varchar) as customer_id, cast(rank as integer) as rank, cast(product_id as bigint) as product_id"
    )
