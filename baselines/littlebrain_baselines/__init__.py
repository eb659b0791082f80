"""Deep-RL baselines (Stable-Baselines3, torch) for littlebrain's benchmarks.

This package is the only place torch may be imported; littlebrain itself never imports it.
Install with `pip install -e ".[baselines]"`.
"""
