"""tollway's benchmark suite: peers, scenarios, load (wrk), measures and the report."""
