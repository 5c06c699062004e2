"""Behaviour rules of patients, facilities and family doctors, vectorised over patients."""
