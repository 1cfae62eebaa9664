"""Integrations by kind: how each builds its request, which transport carries it, how its answer
is read (HTTP, HTTP_PROXY, MOCK, Lambda proxy and non-proxy)."""
