"""Discrete-event simulation of a contact center (``pilotage simulate``): arrivals from a
forecast, staffing from a plan or a schedule, patience, handle-time laws, several queues and
skills; independent replications with 95 % confidence intervals. See ``docs/simulation.md``."""
