"""A worker's pool process runs OpenCV on one thread, as onnxruntime and the decoder (#13)."""

from __future__ import annotations

import cv2
from celery.signals import worker_process_init

import idrenew.celery  # noqa: F401  (connects the worker's signal handlers)


def test_a_pool_process_runs_opencv_on_one_thread() -> None:
    before = cv2.getNumThreads()
    try:
        cv2.setNumThreads(4)
        worker_process_init.send(sender=None)
        assert cv2.getNumThreads() == 1
    finally:
        cv2.setNumThreads(before)
