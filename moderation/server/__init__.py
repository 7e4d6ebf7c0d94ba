"""``moderation serve``: an offline stand-in for Perspective API, and a native scoring endpoint.

- :mod:`~moderation.server.run`: checks, processes and signals (``run_server``);
- :mod:`~moderation.server.app`: the Starlette application and its endpoints;
- :mod:`~moderation.server.perspective`: Perspective's request/response JSON and errors;
- :mod:`~moderation.server.discovery`: the discovery document for Google's clients;
- :mod:`~moderation.server.feedback`: the feedback file ``suggestscore`` appends to;
- :mod:`~moderation.server.access`: API keys and the access log;
- :mod:`~moderation.server.scoring`: the only module that calls the model layer.
"""
