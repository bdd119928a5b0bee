"""The practitioner web interface: server-rendered GOV.UK and MOJ Frontend pages over the domain services."""
