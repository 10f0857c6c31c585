"""Face detection, landmarks, liveness and matching: pure Python + numpy + OpenCV + onnxruntime."""
