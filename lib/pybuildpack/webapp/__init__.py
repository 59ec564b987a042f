"""The web process an app without a Procfile gets: inferred from its files, read without running
any of its code (source.py: the WSGI or ASGI objects; django.py: a Django project), with the server
its environment installs (servers.py); infer.py decides. Standard library only (and the core's
toml): bin/release runs it from the buildpack's lib/ on the build image's python3."""
