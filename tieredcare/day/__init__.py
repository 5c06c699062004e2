"""The day as a pipeline of stages over the model's shared state arrays.

:meth:`tieredcare.model.TieredCareModel.step` runs, in order: lever switches and campaign
signups; discharges (:mod:`.service`); new episodes (:mod:`.onsets`); first contacts with
the family doctor and facility choice (:mod:`.seeking`); serving the queues and leaving
them (:mod:`.service`), with referral on (:mod:`.referral`); and the end of day
(:mod:`.records`). Episode state changes shared by the stages are in :mod:`.transitions`;
prices in :mod:`.pricing`. Each stage is a function of the model, vectorised over the
episodes it concerns today.
"""
