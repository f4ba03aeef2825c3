import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { KUZET_CONFIG, KuzetConfig } from '@kuzet/config';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { CameraRegistryService } from './camera-registry.service';
import { RegionLoadSummary } from './registry.dto';
import { RegionFile, regionFileSchema } from './registry.schemas';

export class RegionFileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(`${file}: ${problems.join('; ')}`);
    this.name = 'RegionFileError';
  }
}

/** Parses and checks a region YAML file; every problem names its path in the file. */
export function parseRegionFile(file: string, text: string): RegionFile {
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    throw new RegionFileError(file, [error instanceof Error ? error.message : String(error)]);
  }
  const parsed = regionFileSchema.safeParse(document);
  if (!parsed.success) {
    throw new RegionFileError(
      file,
      parsed.error.issues.map((i) => `${i.path.join('.') || '$'}: ${i.message}`),
    );
  }
  const problems: string[] = [];
  const mains = new Set(parsed.data.centres.filter((c) => c.kind === 'main').map((c) => c.id));
  parsed.data.centres.forEach((centre, i) => {
    if (centre.kind === 'district' && !(centre.parent && mains.has(centre.parent))) {
      problems.push(`centres.${i}.parent: a district centre needs a main centre of this file`);
    }
    if (centre.kind === 'main' && centre.parent) {
      problems.push(`centres.${i}.parent: a main centre has no parent`);
    }
  });
  if (problems.length > 0) throw new RegionFileError(file, problems);
  return parsed.data;
}

/** Loads KUZET_REGION_FILE into the registry at start-up, before consumers subscribe. Safe to
 * repeat: it upserts. */
@Injectable()
export class RegionFileLoader implements OnModuleInit {
  private readonly logger = new Logger(RegionFileLoader.name);

  constructor(
    private readonly registry: CameraRegistryService,
    @Inject(KUZET_CONFIG) private readonly config: Readonly<KuzetConfig>,
  ) {}

  async onModuleInit(): Promise<void> {
    if (this.config.KUZET_REGION_FILE) await this.load(this.config.KUZET_REGION_FILE);
  }

  async load(file: string): Promise<RegionLoadSummary> {
    const text = await readFile(file, 'utf8');
    const region = parseRegionFile(file, text);
    const sha256 = createHash('sha256').update(text).digest('hex');
    const summary = await this.registry.applyRegion(region, { file, sha256 });
    this.logger.log({ file, ...summary }, 'region loaded into the camera registry');
    return summary;
  }
}
