import { Injectable } from '@nestjs/common';
import { AnalyzedFace, Box, FaceEngine, QualityRejectionReason } from '@kuzet/face';

export interface EnrolmentPhoto {
  readonly name: string;
  readonly bytes: Uint8Array;
  /** For a photo with several faces: the box of the one to enrol (from the photo check). */
  readonly face?: Box;
}

export interface UsableFace {
  readonly photoName: string;
  readonly embedding: Float32Array;
  readonly modelId: string;
  readonly quality: number;
  readonly thumbnail: Buffer;
}

/** Why a photo cannot be enrolled, or `ok` (the codes the web app translates). */
export type PhotoVerdict =
  | 'ok'
  | 'unreadable'
  | 'no_face'
  | 'several_faces'
  | 'face_not_found'
  | 'too_small'
  | 'blurred'
  | 'turned_away'
  | 'low_score';

export type PhotoOutcome =
  | { readonly photo: string; readonly status: 'enrolled'; readonly verdict: 'ok' }
  | { readonly photo: string; readonly status: 'rejected'; readonly verdict: PhotoVerdict };

export interface EnrolmentResult {
  readonly faces: readonly UsableFace[];
  /** One per photo, in the order given; `faceIndex` points into `faces` when enrolled. */
  readonly outcomes: readonly (PhotoOutcome & { readonly faceIndex: number | null })[];
}

export interface CheckedFace {
  readonly face: AnalyzedFace;
  readonly verdict: PhotoVerdict;
}

export interface PhotoCheck {
  readonly verdict: PhotoVerdict;
  readonly width: number;
  readonly height: number;
  /** Every face that counts (see `counts`), primary first. */
  readonly faces: readonly CheckedFace[];
  /** The face that would be enrolled, when the verdict is ok. */
  readonly chosen: AnalyzedFace | null;
}

/** A face smaller than this share of the largest face's width is background (a face on a
 * poster, a passer-by): it does not make a portrait a group photo. */
const BACKGROUND_SHARE = 0.4;
/** A chosen box must overlap a detected face this much (intersection over union). */
const MIN_IOU = 0.3;

/** Turns enrolment photos into searchable faces: exactly one face of each photo (the only
 * one, or the one the administrator picked in a group photo), and only when it passes the
 * same quality gates as camera faces, so that a poor photo never becomes a source of false
 * matches. */
@Injectable()
export class FaceEnrolment {
  constructor(private readonly engine: FaceEngine) {}

  async enrol(photos: readonly EnrolmentPhoto[]): Promise<EnrolmentResult> {
    const faces: UsableFace[] = [];
    const outcomes: (PhotoOutcome & { faceIndex: number | null })[] = [];
    for (const photo of photos) {
      const check = await this.check(photo);
      if (check.verdict === 'ok' && check.chosen) {
        faces.push({
          photoName: photo.name,
          embedding: check.chosen.embedding,
          modelId: check.chosen.modelId,
          quality: check.chosen.quality.score,
          thumbnail: check.chosen.alignedCropJpeg,
        });
        outcomes.push({
          photo: photo.name,
          status: 'enrolled',
          verdict: 'ok',
          faceIndex: faces.length - 1,
        });
      } else {
        outcomes.push({
          photo: photo.name,
          status: 'rejected',
          verdict: check.verdict,
          faceIndex: null,
        });
      }
    }
    return { faces, outcomes };
  }

  /** What the face engine makes of a photo, and which face enrolment would take. */
  async check(photo: EnrolmentPhoto): Promise<PhotoCheck> {
    let analysis;
    try {
      analysis = await this.engine.analyze(photo.bytes, { crop: 'jpeg' });
    } catch {
      return { verdict: 'unreadable', width: 0, height: 0, faces: [], chosen: null };
    }
    const { width, height } = analysis;
    const widest = Math.max(0, ...analysis.faces.map((f) => f.box.width));
    const counted = analysis.faces
      .filter((f) => f.box.width >= widest * BACKGROUND_SHARE)
      .map((face) => ({ face, verdict: verdictOf(face.quality.reasons) }));
    const answer = (verdict: PhotoVerdict, chosen: AnalyzedFace | null): PhotoCheck => ({
      verdict,
      width,
      height,
      faces: counted,
      chosen: verdict === 'ok' ? chosen : null,
    });
    if (counted.length === 0) return answer('no_face', null);
    let pick: CheckedFace | undefined;
    if (photo.face) {
      const wanted = photo.face;
      const best = counted
        .map((c) => ({ c, iou: iou(c.face.box, wanted) }))
        .sort((a, b) => b.iou - a.iou)[0]!;
      if (best.iou < MIN_IOU) return answer('face_not_found', null);
      pick = best.c;
    } else if (counted.length > 1) {
      return answer('several_faces', null);
    } else {
      pick = counted[0]!;
    }
    return answer(pick.verdict, pick.face);
  }
}

/** The administrator's words for the quality gates' reasons, the most telling first. */
export function verdictOf(reasons: readonly QualityRejectionReason[]): PhotoVerdict {
  if (reasons.length === 0) return 'ok';
  if (reasons.includes('too_small')) return 'too_small';
  if (reasons.includes('yaw') || reasons.includes('pitch')) return 'turned_away';
  if (reasons.includes('blurry')) return 'blurred';
  return 'low_score';
}

export function iou(a: Box, b: Box): number {
  const x = Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x));
  const y = Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));
  const overlap = x * y;
  const union = a.width * a.height + b.width * b.height - overlap;
  return union > 0 ? overlap / union : 0;
}
