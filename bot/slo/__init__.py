"""Service level objectives: definitions, measurement, error budgets, history and the weekly digest."""
