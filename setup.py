"""Builds tollway's request path with mypyc: the same modules, compiled to C extensions.

``pip install .`` compiles the modules in ``COMPILED`` (about three times less
interpreter work per request; ``bench/README.md`` has the numbers). Every one of them
stays plain Python too, and Python imports the extension only when it was built, so:

- ``TOLLWAY_NO_MYPYC=1 pip install .`` installs pure Python (no C compiler needed);
- ``pip install -e .`` (development, the test suite) stays pure Python, so an edit takes
  effect without a rebuild;
- a machine whose build fails can always fall back to the first.

Everything else (project metadata, dependencies) is in ``pyproject.toml``.
"""

from __future__ import annotations

import os
import sys

from setuptools import setup

# The modules every request runs through, by measurement (py-spy, bench/README.md "Where
# the time goes"). Each is strict-typed like the rest of src/; what mypyc cannot compile
# (subclasses of dict or list, as the VTL values are) stays out. Two mypyc pitfalls met so
# far: a GatewayError subclass defined in a compiled module lost its class-attribute
# overrides (status 400 read as its base's 500), so exceptions live in tollway/errors.py,
# which stays pure; and a call inside a slice bound (``view[f.write(view):]``) ran twice.
COMPILED = [
    "tollway/dataplane/server.py",
    "tollway/dataplane/app.py",
    "tollway/dataplane/pipelines.py",
    "tollway/dataplane/context.py",
    "tollway/dataplane/messages.py",
    "tollway/dataplane/caller.py",
    "tollway/dataplane/world.py",
    "tollway/dataplane/request_ids.py",
    "tollway/dataplane/addressing.py",
    "tollway/dataplane/routing/index.py",
    "tollway/dataplane/routing/normalize.py",
    "tollway/dataplane/usage_plans/access.py",
    "tollway/dataplane/validation/rules.py",
    "tollway/dataplane/steps/address.py",
    "tollway/dataplane/steps/api_key.py",
    "tollway/dataplane/steps/authorize.py",
    "tollway/dataplane/steps/integrate.py",
    "tollway/dataplane/steps/map_request.py",
    "tollway/dataplane/steps/map_response.py",
    "tollway/dataplane/steps/on_error.py",
    "tollway/dataplane/steps/parse.py",
    "tollway/dataplane/steps/resource_policy.py",
    "tollway/dataplane/steps/respond.py",
    "tollway/dataplane/steps/route.py",
    "tollway/dataplane/steps/static_answer.py",
    "tollway/dataplane/steps/throttle.py",
    "tollway/dataplane/steps/validate.py",
    "tollway/dataplane/steps/http/authorize.py",
    "tollway/dataplane/steps/http/integrate.py",
    "tollway/dataplane/steps/http/on_error.py",
    "tollway/dataplane/steps/http/respond.py",
    "tollway/dataplane/steps/http/route.py",
    "tollway/dataplane/steps/http/throttle.py",
    "tollway/dataplane/http_api/cors.py",
    "tollway/dataplane/http_api/events.py",
    "tollway/dataplane/http_api/params.py",
    "tollway/dataplane/http_api/proxy.py",
    "tollway/dataplane/http_api/routes.py",
    "tollway/dataplane/integrations/forwarded.py",
    "tollway/dataplane/integrations/headers.py",
    "tollway/dataplane/integrations/http.py",
    "tollway/dataplane/integrations/http_proxy.py",
    "tollway/dataplane/integrations/kinds.py",
    "tollway/dataplane/integrations/lambda_.py",
    "tollway/dataplane/integrations/mapped.py",
    "tollway/dataplane/integrations/mock.py",
    "tollway/dataplane/integrations/tracing.py",
    "tollway/dataplane/integrations/urls.py",
    "tollway/dataplane/integrations/lambda_proxy/events.py",
    "tollway/dataplane/integrations/lambda_proxy/proxy.py",
    "tollway/dataplane/integrations/lambda_proxy/responses.py",
    "tollway/state/base.py",
    "tollway/state/memory.py",
    "tollway/state/local_bucket.py",
    "tollway/state/periods.py",
    "tollway/functions/runtime/admission.py",
    "tollway/functions/runtime/instance.py",
    "tollway/functions/runtime/local.py",
    "tollway/functions/runtime/logs.py",
    "tollway/functions/runtime/pool.py",
]


# The setuptools commands that build the extensions. Metadata steps (egg_info, dist_info)
# need no compiling, and an editable install (editable_wheel) stays pure Python: sources
# edited in place must win.
BUILDS = {"bdist_wheel", "build", "build_ext", "install"}


def _compile() -> bool:
    return not os.environ.get("TOLLWAY_NO_MYPYC") and not BUILDS.isdisjoint(sys.argv[1:])


def _ext_modules() -> list[object]:
    if not _compile():
        return []
    from mypyc.build import mypycify

    # The build environment holds mypy but not tollway's dependencies: what they export is
    # typed Any here (mypy strict on src/ checks them in CI), and only these modules'
    # own errors stop the build.
    options = ["--ignore-missing-imports", "--follow-imports=silent", "--no-warn-return-any"]
    paths = [os.path.join("src", path) for path in COMPILED]
    return list(mypycify([*options, *paths], opt_level="3", group_name="tollway_native"))


setup(ext_modules=_ext_modules())
