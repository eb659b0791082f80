"""Diagnostic (not a setting search for DishPong: no setting here became a default): in 6-minute
field-frame sessions at 50 ms bins (8 seeds), how often does the brain move as the tracking rule
would in the last minute, and how long are its rallies in the last third, under one-setting
changes of the default brain? Which part of the brain limits the field frame?

    python results/dishpong/field_frame_arms_diagnostic.py '{"default": {}, "k50": {...}}'

Session 17, commit b131389 (output: field_frame_diagnostic.txt)."""

import dataclasses
import json
import sys

import numpy as np

from littlebrain.bench import dishpong

arms = json.loads(sys.argv[1])
minutes = float(sys.argv[2]) if len(sys.argv) > 2 else 6.0
setting = sys.argv[3] if len(sys.argv) > 3 else "field-50ms"
base = dishpong.METHODS["littlebrain-stimulus"]
for name, settings in arms.items():
    method = dataclasses.replace(base, brain_config={**base.brain_config, **settings})
    agreement, hits = [], []
    for seed in range(8):
        result = dishpong.play_session(method, setting, seed, session_minutes=minutes)
        agreement.append(result["tracking_agreement"]["t2"])
        late = [h for end, h in result["rallies"] if end >= minutes * 40]
        hits.append(np.mean(late) if late else np.nan)
    print(
        f"{name:24s} agree {np.mean(agreement):.3f} [{min(agreement):.2f}-{max(agreement):.2f}]"
        f"  hits(last third) median {np.nanmedian(hits):.2f} mean {np.nanmean(hits):.2f}",
        flush=True,
    )
