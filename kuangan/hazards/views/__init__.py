"""Pages of the hazard ledger, one module per topic: ``hazards`` (the ledger, the hazard page,
its forms and workflow steps), ``orders`` (enforcement orders), ``monthly`` (monthly
major-hazard checks and their duty calendar) and ``risks`` (the risk list, its import and
export, and the mine's two lists); ``common`` holds what they share. ``urls`` routes to them."""
