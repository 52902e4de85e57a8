# Weekly demand (units ordered, cancelled orders excluded) per product category, and two
# forecasts of it: a seasonal baseline (the same weeks a year earlier, averaged over three weeks
# around it, times the category's year-on-year growth in the training weeks) and a naive one
# (the latest training week carried forward). The last holdout_weeks complete weeks are held
# back (is_holdout): both forecasts of them use only the weeks before. In the training weeks the
# seasonal forecast is the same rule in sample and the naive one the previous week. Weeks start
# on Monday. Python model: DuckDB only.
import numpy as np
import pandas as pd


def weekly_units(dbt):
    lines = dbt.ref("fct_order_lines").df()
    products = dbt.ref("dim_product").df()[["product_key", "category"]]
    lines = lines[lines["status"] != "cancelled"].merge(products, on="product_key", how="inner")
    day = pd.to_datetime(lines["order_date_key"])
    lines["week"] = (day - pd.to_timedelta(day.dt.weekday, unit="D")).dt.normalize()
    last_day = day.max()
    units = lines.groupby(["category", "week"])["quantity"].sum().astype(float)
    weeks = pd.date_range(lines["week"].min(), last_day - pd.Timedelta(days=6), freq="W-MON")
    categories = sorted(lines["category"].unique())
    index = pd.MultiIndex.from_product([categories, weeks], names=["category", "week"])
    return units.reindex(index, fill_value=0.0).unstack("category"), categories


def model(dbt, session):
    holdout = int(dbt.config.get("holdout_weeks"))
    table, categories = weekly_units(dbt)
    n = len(table)
    train_end = n - holdout
    rows = []
    for category in categories:
        actual = table[category].to_numpy()
        recent = actual[max(0, train_end - 52):train_end].sum()
        before = actual[max(0, train_end - 104):max(0, train_end - 52)].sum()
        growth = recent / before if before > 0 else 1.0
        for i in range(n):
            last_year = [actual[j] for j in (i - 53, i - 52, i - 51) if 0 <= j < min(train_end, i)]
            seasonal = float(np.mean(last_year)) * growth if len(last_year) == 3 else np.nan
            if i >= train_end:
                naive = actual[train_end - 1]
            else:
                naive = actual[i - 1] if i > 0 else np.nan
            rows.append((category, table.index[i], actual[i], seasonal, naive, i >= train_end))
    out = pd.DataFrame(rows, columns=["category", "week", "actual", "forecast", "naive_forecast", "is_holdout"])
    return session.from_df(out).project(
        "cast(category as varchar) as category, cast(week as date) as week, cast(actual as double) as actual, "
        "cast(forecast as double) as forecast, cast(naive_forecast as double) as naive_forecast, "
        "cast(is_holdout as boolean) as is_holdout"
    )
