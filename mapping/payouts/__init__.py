"""Platform payout records -> hub Settlements: one small module per platform, each a
`map_payout(payload, channel)` that its connector points at."""
