//! checkout-gateway (being built).
