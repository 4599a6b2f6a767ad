# %% [markdown]
# # Faultline from Python: the Stream/Elixir cascade, its liquidation bands, and a sweep
#
# A notebook-style script (cells marked `# %%`, runnable in Jupyter, VS Code or plainly with
# `python crates/python/examples/notebook.py [OUT_DIR]`). It loads the bundled scenario, runs
# it, plots the losses and the sdeUSD liquidation bands with matplotlib, and sweeps the size of
# Stream's write-down. Plots are saved as PNG files in OUT_DIR (default: the working directory).

# %%
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display needed
import matplotlib.pyplot as plt

import faultline

out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(".")
out.mkdir(parents=True, exist_ok=True)

# %% The bundled scenario and its report
scenario = faultline.bundled("stream-elixir")
report = faultline.stress(scenario)
print(report)
losses = report.losses
print(losses[["entity", "kind", "bad_debt_usd", "economic_bad_debt_usd", "nav_lost_usd"]])

# %% Losses per entity
lost = losses.set_index("entity")[["bad_debt_usd", "economic_bad_debt_usd", "nav_lost_usd", "frozen_usd"]]
lost = lost[(lost != 0).any(axis=1)] / 1e6
ax = lost.plot.barh(figsize=(10, 6), title=f"{report.scenario}: losses per entity")
ax.set_xlabel("USD millions")
ax.invert_yaxis()
plt.tight_layout()
plt.savefig(out / "losses.png", dpi=100)
plt.close()

# %% What broke first, and how it spread
events = report.events
first = events.loc[events["id"] == report.first_break].iloc[0]
print("first break:", first["summary"])
print(report.paths[["loss", "length", "text"]].head())

# %% Liquidation bands of sdeUSD across the snapshot's lending markets
bands = faultline.bands(scenario.snapshot, "sdeUSD", grid=21, max_fall=40)
levels = faultline.bands_frame(bands)
ax = levels.plot(x="fall_pct", y="debt_usd", drawstyle="steps-post", legend=False,
                 title="sdeUSD: debt turning liquidatable as its price falls")
ax.set_xlabel("fall of sdeUSD's price, %")
ax.set_ylabel("debt liquidatable, USD")
plt.tight_layout()
plt.savefig(out / "bands.png", dpi=100)
plt.close()

# %% Sweep one parameter: the size of Stream's write-down (first hour of the scenario)
d = scenario.to_dict()
d["horizon_secs"] = d["step_secs"]
d["shocks"] = [s for s in d["shocks"] if s["at_secs"] < d["step_secs"]]
first_hour = faultline.Scenario.from_dict(d, snapshot=scenario.snapshot)
sizes = [str(m * 1_000_000) for m in (0, 25, 50, 93, 150)]
result = faultline.sweep(first_hour, grid={"shocks[0].loss_usd": sizes}, seed=1)
table = result.summary()
table["write_down_musd"] = table["shocks[0].loss_usd"].astype(float) / 1e6
print(table[["write_down_musd", "nav_lost_usd", "economic_bad_debt_usd", "frozen_usd"]])
ax = table.plot(x="write_down_musd", y=["nav_lost_usd", "economic_bad_debt_usd"], marker="o",
                title="First hour: losses against the size of the write-down")
ax.set_xlabel("write-down, USD millions")
ax.set_ylabel("USD")
plt.tight_layout()
plt.savefig(out / "sweep.png", dpi=100)
plt.close()
print("saved", sorted(p.name for p in out.glob("*.png")))
