"""A small convolutional encoder for the baselines on small images (Snake's 10 x 10 board and
19 x 19 egocentric view), where SB3's Nature CNN (8 x 8 stride-4 first layer) needs 36 x 36 or
more. Three 3 x 3 convolutions, the last two with stride 2, then one dense layer: the shape of
the small-board encoders in the Procgen / MinAtar baselines, sized for a 2-core CPU.
"""

from __future__ import annotations

import gymnasium as gym
import torch
from stable_baselines3.common.torch_layers import BaseFeaturesExtractor
from torch import nn


class SmallCNN(BaseFeaturesExtractor):
    """Image (channels first, scaled to [0, 1] by SB3) -> `features_dim` features."""

    def __init__(self, observation_space: gym.spaces.Box, features_dim: int = 256) -> None:
        super().__init__(observation_space, features_dim)
        channels = observation_space.shape[0]
        self.convolutions = nn.Sequential(
            nn.Conv2d(channels, 32, kernel_size=3, stride=1, padding=1),
            nn.ReLU(),
            nn.Conv2d(32, 64, kernel_size=3, stride=2, padding=1),
            nn.ReLU(),
            nn.Conv2d(64, 64, kernel_size=3, stride=2, padding=1),
            nn.ReLU(),
            nn.Flatten(),
        )
        with torch.no_grad():
            flat = self.convolutions(torch.zeros(1, *observation_space.shape)).shape[1]
        self.dense = nn.Sequential(nn.Linear(flat, features_dim), nn.ReLU())

    def forward(self, observations: torch.Tensor) -> torch.Tensor:
        return self.dense(self.convolutions(observations))
