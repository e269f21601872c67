"""The HTTP API: Powertools routers, one module per audience (patient, professional, partner,
enrollment, operator), plus what they share (common, shapes). Routes translate HTTP to the
contexts' use cases, which the function's wiring hands them (common.use); an audience's module
never imports another's, nor the wiring, nor an adapter."""
