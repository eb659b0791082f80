"""Diagnostic (not a setting search for DishPong: no setting here became a default): in 6-minute
field-frame sessions at 50 ms bins (8 seeds), how often does the brain move as the tracking rule
would in the last minute, and how long are its rallies in the last third, under one-setting
changes of the default brain? Which part of the brain limits the field frame?

    python results/dishpong/field_frame_arms_diagnostic.py '{"default": {}, "k50": {...}}'

Session 17, commit b131389 (output: field_frame_diagnostic.txt)."""
import sys, json, dataclasses
import numpy as np
from littlebrain.bench import dishpong
arms = json.loads(sys.argv[1]); minutes = float(sys.argv[2]) if len(sys.argv) > 2 else 6.0
setting = sys.argv[3] if len(sys.argv) > 3 else "field-50ms"
base = dishpong.METHODS["littlebrain-stimulus"]
for name, cfg in arms.items():
    m = dataclasses.replace(base, brain_config={**base.brain_config, **cfg})
    a, h = [], []
    for seed in range(8):
        r = dishpong.play_session(m, setting, seed, session_minutes=minutes)
        a.append(r["tracking_agreement"]["t2"])
        t = np.array(r["rallies"]); late = t[t[:, 0] >= minutes * 40, 1] if len(t) else []
        h.append(np.mean(late) if len(late) else np.nan)
    print(f"{name:24s} agree {np.mean(a):.3f} [{min(a):.2f}-{max(a):.2f}]  hits(last third) median {np.nanmedian(h):.2f} mean {np.nanmean(h):.2f}", flush=True)
