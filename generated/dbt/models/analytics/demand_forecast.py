# Copied by lab from the specs' analytics/demand_forecast.py; do not edit.
# Weekly demand (units ordered, cancelled orders excluded) per product category, and two
# forecasts of it: a seasonal one (the category's level - its mean weekly units over the last
# 52 training weeks - times the seasonal index of the week of the year) and a naive one (the
# latest training week carried forward). The seasonal index is pooled over the categories (one
# category's weekly counts are too few to show the season): each training week's total units
# over the mean of the 52 weeks before it, averaged per ISO week over the training years and
# smoothed over the two weeks either side. The last holdout_weeks complete weeks are held back
# (is_holdout): both forecasts of them use only the weeks before. In the training weeks the
# seasonal forecast is the same rule with the level of the 52 weeks before the week and the
# naive one the previous week. Weeks start on Monday. Python model: DuckDB only.
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


def seasonal_index(total, weeks, train_end):
    """Week of the year -> index: a week's units over the mean of the 52 weeks before it,
    averaged over the training years, then smoothed over weeks k-2..k+2 (53 wraps to 1)."""
    ratios = {}
    for j in range(52, train_end):
        base = total[j - 52:j].mean()
        if base > 0:
            ratios.setdefault(weeks[j], []).append(total[j] / base)
    raw = {k: float(np.mean(v)) for k, v in ratios.items()}

    def index(k):
        near = [((k - 1 + d) % 52) + 1 for d in (-2, -1, 0, 1, 2)]
        return float(np.mean([raw.get(x, 1.0) for x in near]))

    return index


def model(dbt, session):
    holdout = int(dbt.config.get("holdout_weeks"))
    table, categories = weekly_units(dbt)
    n = len(table)
    train_end = n - holdout
    week_of_year = [int(w.isocalendar()[1]) for w in table.index]
    index = seasonal_index(table.sum(axis=1).to_numpy(), week_of_year, train_end)
    rows = []
    for category in categories:
        actual = table[category].to_numpy()
        for i in range(n):
            origin = min(i, train_end)
            if origin >= 52:
                seasonal = float(actual[origin - 52:origin].mean()) * index(week_of_year[i])
            else:
                seasonal = np.nan
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
