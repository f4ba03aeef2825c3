import { Injectable } from '@nestjs/common';
import { FaceEngine } from '@kuzet/face';

export interface EnrolmentPhoto {
  readonly name: string;
  readonly bytes: Uint8Array;
}

export interface UsableFace {
  readonly photoName: string;
  readonly embedding: Float32Array;
  readonly modelId: string;
  readonly quality: number;
  readonly thumbnail: Buffer;
}

export type PhotoOutcome =
  | { readonly photo: string; readonly status: 'enrolled' }
  | { readonly photo: string; readonly status: 'rejected'; readonly reason: string };

export interface EnrolmentResult {
  readonly faces: readonly UsableFace[];
  readonly outcomes: readonly PhotoOutcome[];
}

/** Turns enrolment photos into searchable faces: exactly the primary face of each photo,
 * and only when it passes the same quality gates as camera faces, so that a poor photo
 * never becomes a source of false matches. */
@Injectable()
export class FaceEnrolment {
  constructor(private readonly engine: FaceEngine) {}

  async enrol(photos: readonly EnrolmentPhoto[]): Promise<EnrolmentResult> {
    const faces: UsableFace[] = [];
    const outcomes: PhotoOutcome[] = [];
    for (const photo of photos) {
      const outcome = await this.enrolOne(photo);
      if ('face' in outcome) {
        faces.push(outcome.face);
        outcomes.push({ photo: photo.name, status: 'enrolled' });
      } else {
        outcomes.push({ photo: photo.name, status: 'rejected', reason: outcome.reason });
      }
    }
    return { faces, outcomes };
  }

  private async enrolOne(
    photo: EnrolmentPhoto,
  ): Promise<{ face: UsableFace } | { reason: string }> {
    let analysis;
    try {
      analysis = await this.engine.analyze(photo.bytes, { maxFaces: 1 });
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      return { reason: `unreadable_image${typeof code === 'string' ? `:${code}` : ''}` };
    }
    const primary = analysis.faces[0];
    if (!primary) return { reason: 'no_face' };
    if (!primary.quality.passed) return { reason: `quality:${primary.quality.reasons.join(',')}` };
    return {
      face: {
        photoName: photo.name,
        embedding: primary.embedding,
        modelId: primary.modelId,
        quality: primary.quality.score,
        thumbnail: primary.alignedCropJpeg,
      },
    };
  }
}
