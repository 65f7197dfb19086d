"""ZazPay (seed 001): domain modules, awaiting handlers and a registry line."""
