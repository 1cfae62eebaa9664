"""HTTP APIs (API Gateway v2): the route index, CORS and parameter mapping, compiled once per deployment."""
