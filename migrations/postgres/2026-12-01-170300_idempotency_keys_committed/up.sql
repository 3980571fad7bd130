-- Idempotency keys are now written only with the change they stand for. A key left
-- 'in_flight' by the earlier scheme (its request died) stands for nothing: forget it, so
-- that its retry performs the change.
DELETE FROM idempotency_keys WHERE status = 'in_flight';
