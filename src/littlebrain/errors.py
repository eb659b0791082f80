"""Errors a user can cause. The CLI prints them as one line, with no traceback."""


class LittlebrainError(Exception):
    """Base class: a mistake in input, configuration or files, explained in one line."""


class ConfigError(LittlebrainError, ValueError):
    """A configuration value or file is invalid."""


class EnvironmentSpecError(LittlebrainError, ValueError):
    """The environment id is unknown or the environment is unsupported."""


class ObservationError(LittlebrainError, ValueError):
    """An observation or feedback signal has the wrong shape or is not finite."""


class CheckpointError(LittlebrainError):
    """A checkpoint is missing, corrupt, foreign, or does not fit the brain."""


class RunFolderError(LittlebrainError):
    """A run folder is missing, incomplete, or would be overwritten."""
