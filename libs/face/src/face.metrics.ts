import { counter, histogram } from '@kuzet/observability';
import type { ImageDecodeErrorCode } from './face.errors';
import { type FaceAnalysis, QUALITY_REJECTION_REASONS } from './face.types';

export class FaceMetrics {
  /** A face can fail several gates; each failed gate is counted once. */
  readonly rejected = counter({
    name: 'kuzet_face_rejected_total',
    help: 'Faces that failed a quality gate, by gate.',
    labelNames: ['reason'] as const,
  });
  readonly faces = counter({
    name: 'kuzet_face_faces_total',
    help: 'Faces analysed, by whether they passed every quality gate.',
    labelNames: ['result'] as const,
  });
  readonly imageErrors = counter({
    name: 'kuzet_face_image_errors_total',
    help: 'Images refused before analysis, by decode error code.',
    labelNames: ['code'] as const,
  });
  readonly analyzeSeconds = histogram({
    name: 'kuzet_face_analyze_seconds',
    help: 'Time from submitting an image to its analysis, queueing included.',
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  });

  constructor() {
    // Zero-valued series exist from the start, so dashboards and alerts see every reason.
    for (const reason of QUALITY_REJECTION_REASONS) this.rejected.inc({ reason }, 0);
  }

  recordAnalysis(analysis: FaceAnalysis, seconds: number): void {
    this.analyzeSeconds.observe(seconds);
    for (const face of analysis.faces) {
      this.faces.inc({ result: face.quality.passed ? 'passed' : 'rejected' });
      for (const reason of face.quality.reasons) this.rejected.inc({ reason });
    }
  }

  recordImageError(code: ImageDecodeErrorCode): void {
    this.imageErrors.inc({ code });
  }
}
