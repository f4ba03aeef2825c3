import { Counter, Histogram, register } from 'prom-client';
import type { ImageDecodeErrorCode } from './face.errors';
import { type FaceAnalysis, QUALITY_REJECTION_REASONS } from './face.types';

/** Metrics live in prom-client's default registry. Several engines in one process (tests, the
 * standalone app) share them, so each metric is created once and reused. */
function counter<Label extends string>(
  name: string,
  help: string,
  labelNames: readonly Label[],
): Counter<Label> {
  const existing = register.getSingleMetric(name);
  if (existing instanceof Counter) return existing as Counter<Label>;
  return new Counter({ name, help, labelNames });
}

function histogram(name: string, help: string, buckets: number[]): Histogram {
  const existing = register.getSingleMetric(name);
  if (existing instanceof Histogram) return existing;
  return new Histogram({ name, help, buckets });
}

export class FaceMetrics {
  /** A face can fail several gates; each failed gate is counted once. */
  readonly rejected = counter(
    'kuzet_face_rejected_total',
    'Faces that failed a quality gate, by gate.',
    ['reason'] as const,
  );
  readonly faces = counter(
    'kuzet_face_faces_total',
    'Faces analysed, by whether they passed every quality gate.',
    ['result'] as const,
  );
  readonly imageErrors = counter(
    'kuzet_face_image_errors_total',
    'Images refused before analysis, by decode error code.',
    ['code'] as const,
  );
  readonly analyzeSeconds = histogram(
    'kuzet_face_analyze_seconds',
    'Time from submitting an image to its analysis, queueing included.',
    [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  );

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
