"""moderation: an offline, trainable comment-moderation classifier."""

__version__ = "0.1.0"
