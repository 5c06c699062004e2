"""The county the residents live in: facilities, villages and the roads between them."""
