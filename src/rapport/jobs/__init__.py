"""The task queue (Huey): settings, reliable storages, the job catalogue, the periodic schedule and the worker."""
