"""Bad input, poison records and faults: every record ends done, retrying with a bound,
or in the error queue; no input gives a 500 (design invariant 10)."""
