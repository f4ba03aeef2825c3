import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import {
  AnalyticsType,
  CameraEvent,
  CameraEventSchema,
  create,
  CANONICAL_ENCODING_HEADERS,
  encodeCameraEvent,
  timestampFromDate,
  VehicleDirection,
  VehicleType,
} from '@kuzet/contracts';
import { KUZET_CONFIG, KuzetConfig } from '@kuzet/config';
import { AlarmKind, AlarmPriority } from '@kuzet/contracts';
import { MESSAGE_BUS, MessageBus, TOPICS } from '@kuzet/messaging';
import { projectRoot, scheduleEvery } from '@kuzet/platform';
import { ALL_CENTRES, StaffRole, StaffUserService } from '@kuzet/auth';
import { WatchlistService } from '@kuzet/watchlist';
import { VehicleListService } from '@kuzet/vehicles';

/** The labelled fixture faces (MIT, see their LICENSE). */
const FIXTURES = join(projectRoot(), 'test/fixtures/faces');
const DEMO_LIST = 'Demo: wanted persons (fixture faces)';
const DEMO_CAMERAS = ['aktau-cam-0001', 'aktau-cam-0002', 'aktau-cam-0003', 'zhanaozen-cam-0042'];
const SOS_CAMERA = 'aktau-sos-0001';
const DEMO_VEHICLE_LIST = 'Demo: stolen vehicles';
/** The demo's stolen car (a made-up plate, Mangystau region 12), on the demo list only. */
const DEMO_STOLEN_PLATE = '512 KZD 12';
/** Its trip: three Mangystau cameras, a few minutes apart, then again. */
const STOLEN_CAR_ROUTE = ['aktau-cam-0001', 'tupkaragan-cam-0001', 'mangystau-cam-0001'];
/** Replay steps between two crossings of the stolen car; other cars pass in between. */
const CROSSING_EVERY = 6;
const MINUTE_MS = 60_000;
/** Replay steps between two SOS presses. */
const SOS_EVERY = 40;
/** Replay steps between two scene-analytics detections, a crowd in Aktau and dumping in
 * Zhanaozen by turns (as the cameras' own analytics or a DeepStream pipeline report them). */
const ANALYTICS_EVERY = 15;
const DEMO_DETECTIONS = [
  {
    cameraId: 'aktau-cam-0002',
    type: AnalyticsType.CROWD,
    confidence: 0.88,
    objectCount: 46,
    zone: 'square',
  },
  {
    cameraId: 'zhanaozen-cam-0042',
    type: AnalyticsType.ILLEGAL_DUMPING,
    confidence: 0.81,
    objectCount: 1,
    zone: 'roadside',
  },
] as const;
/** Demo accounts, printed at start-up; a real deployment creates its own with `kuzet users`. */
const DEMO_USERS: readonly {
  username: string;
  password: string;
  roles: StaffRole[];
  centreIds: string[];
}[] = [
  {
    username: 'operator',
    password: 'kuzet-demo-operator',
    roles: ['operator'],
    centreIds: ['aktau', 'zhanaozen'],
  },
  {
    username: 'supervisor',
    password: 'kuzet-demo-supervisor',
    roles: ['supervisor'],
    centreIds: ['aktau', 'zhanaozen'],
  },
  {
    username: 'admin',
    password: 'kuzet-demo-admin',
    roles: ['system-admin', 'watchlist-admin'],
    centreIds: [],
  },
  {
    username: 'auditor',
    password: 'kuzet-demo-auditor',
    roles: ['auditor'],
    centreIds: [ALL_CENTRES],
  },
];

/** What a newcomer watches after `npm start`: the fixture people are enrolled on a demo
 * watchlist, then their other photos and the group photos arrive as camera events, as an
 * integrator would send them, and hits appear live in the console. */
@Injectable()
export class DemoReplay implements OnApplicationBootstrap {
  private readonly logger = new Logger('Demo');
  private frames: Buffer[] = [];
  /** The group photos among the frames: the analytics detections' scene snapshots. */
  private groupPhotos: Buffer[] = [];
  private sent = 0;

  constructor(
    private readonly watchlists: WatchlistService,
    private readonly vehicleLists: VehicleListService,
    private readonly users: StaffUserService,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(KUZET_CONFIG) private readonly config: KuzetConfig,
    private readonly scheduler: SchedulerRegistry,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.KUZET_DEMO) return;
    await this.createDemoUsers();
    await this.enrolFixturePeople();
    await this.listStolenCar();
    this.frames = await this.loadFrames();
    scheduleEvery(this.scheduler, 'demo-replay', this.config.KUZET_DEMO_INTERVAL_MS, () =>
      this.sendNext(),
    );
    this.logger.log(
      { frames: this.frames.length, everyMs: this.config.KUZET_DEMO_INTERVAL_MS },
      `demo replay started: open http://${this.config.HTTP_HOST}:${this.config.HTTP_PORT}/console`,
    );
  }

  private async createDemoUsers(): Promise<void> {
    const existing = new Set((await this.users.list()).map((user) => user.username));
    for (const user of DEMO_USERS) {
      if (!existing.has(user.username)) await this.users.create(user, 'kuzet-demo');
    }
    // the passwords are in the README, never in the log
    this.logger.log(
      { accounts: DEMO_USERS.map((u) => u.username) },
      'demo accounts ready (passwords: README.md)',
    );
  }

  private async enrolFixturePeople(): Promise<void> {
    const existing = (await this.watchlists.listWatchlists({ limit: 500 })).items.find(
      (list) => list.name === DEMO_LIST,
    );
    if (existing) return;
    const list = await this.watchlists.createWatchlist({
      name: DEMO_LIST,
      category: 'wanted',
      similarity_threshold: 0.4,
      // below the console's cue level (50): the demo's many face hits do not flash and sound;
      // the SOS button and the stolen car (80) do
      priority: 40,
    });
    const people = (await readdir(FIXTURES, { withFileTypes: true })).filter((e) =>
      e.isDirectory(),
    );
    for (const person of people) {
      const photo = await readFile(join(FIXTURES, person.name, `${person.name}1.png`));
      const result = await this.watchlists.enrolPerson(list.id, {
        full_name: person.name[0]!.toUpperCase() + person.name.slice(1),
        case_reference: `DEMO-${person.name.toUpperCase()}`,
        photos: [{ name: `${person.name}1.png`, data: photo.toString('base64') }],
        confirm_not_duplicate: false,
      });
      this.logger.log(
        // the id, never the name: logs carry no personal data, fixture people included
        { personId: result.person.id, status: result.person.status },
        'demo person enrolled',
      );
    }
  }

  /** The demo's vehicle list, made here only (never outside the demo). */
  private async listStolenCar(): Promise<void> {
    if ((await this.vehicleLists.lists()).some((list) => list.name === DEMO_VEHICLE_LIST)) return;
    const list = await this.vehicleLists.createList(
      { name: DEMO_VEHICLE_LIST, category: 'stolen', priority: 80, match_policy: 'confusion' },
      'kuzet-demo',
    );
    await this.vehicleLists.addEntry(
      list.id,
      {
        plate: DEMO_STOLEN_PLATE,
        case_reference: 'DEMO-KUI-0001',
        description: 'white Toyota Camry (demo)',
      },
      'kuzet-demo',
    );
    this.logger.log({ list: DEMO_VEHICLE_LIST }, 'demo vehicle list ready');
  }

  /** A plate read at `cameraId`: the stolen car on its route, or a car on no list. */
  private plateRead(index: number, now: Date): CameraEvent {
    const crossing = index % CROSSING_EVERY === 0;
    const step = Math.floor(index / CROSSING_EVERY);
    const cameraId = crossing
      ? STOLEN_CAR_ROUTE[step % STOLEN_CAR_ROUTE.length]!
      : DEMO_CAMERAS[index % DEMO_CAMERAS.length]!;
    const n = (index * 7919) % 1000;
    const plate = crossing
      ? DEMO_STOLEN_PLATE
      : `${String(n).padStart(3, '0')} ${'ABCEHKMOPTXY'[n % 12]}${'ABCEHKMOPTXY'[(n * 7) % 12]}${'ABCEHKMOPTXY'[(n * 11) % 12]} 12`;
    // a few minutes between the route's cameras, as if the car had driven
    const capturedAt = crossing ? new Date(now.getTime() - (2 - (step % 3)) * 4 * MINUTE_MS) : now;
    return create(CameraEventSchema, {
      eventId: randomUUID(),
      cameraId,
      capturedAt: timestampFromDate(capturedAt),
      sourceId: 'kuzet-demo',
      payload: {
        case: 'plateRead',
        value: {
          plate,
          confidence: 0.93,
          country: 'KZ',
          direction: VehicleDirection.APPROACHING,
          lane: 1 + (index % 2),
          speedKmh: 55 + (n % 40),
          vehicleType: VehicleType.CAR,
          vehicleColour: crossing ? 'white' : '',
          vehicleMake: crossing ? 'Toyota' : '',
        },
      },
    });
  }

  /** A crowd or a dumping, by turns, with a group photo as the scene's snapshot. */
  private detection(index: number, now: Date): CameraEvent {
    const turn = Math.floor(index / ANALYTICS_EVERY);
    const { cameraId, ...detection } = DEMO_DETECTIONS[turn % DEMO_DETECTIONS.length]!;
    return create(CameraEventSchema, {
      eventId: randomUUID(),
      cameraId,
      capturedAt: timestampFromDate(now),
      sourceId: 'kuzet-demo',
      payload: {
        case: 'analyticsDetection',
        value: {
          ...detection,
          ...(this.groupPhotos.length > 0
            ? { snapshotJpeg: this.groupPhotos[turn % this.groupPhotos.length]! }
            : {}),
        },
      },
    });
  }

  private async loadFrames(): Promise<Buffer[]> {
    const frames: Buffer[] = [];
    for (const entry of await readdir(FIXTURES, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        for (const shot of [2, 3, 4, 5]) {
          const png = await readFile(join(FIXTURES, entry.name, `${entry.name}${shot}.png`)).catch(
            () => null,
          );
          if (png) frames.push(await sharp(png).jpeg({ quality: 90 }).toBuffer());
        }
      } else if (/^bbt\d\.jpg$/.test(entry.name)) {
        const photo = await readFile(join(FIXTURES, entry.name));
        frames.push(photo);
        this.groupPhotos.push(photo);
      }
    }
    // one person's shots one after the other, each at the next camera: the console groups
    // them into one episode seen by several cameras (the group photos stand alone)
    return frames;
  }

  private async sendNext(): Promise<void> {
    const index = this.sent++;
    const now = new Date();
    // an SOS now and then: every SOS_EVERY-th step (two minutes at the default 3 s)
    const sos = index > 0 && index % SOS_EVERY === 0;
    const cameraId = sos ? SOS_CAMERA : DEMO_CAMERAS[index % DEMO_CAMERAS.length]!;
    const event = create(CameraEventSchema, {
      eventId: randomUUID(),
      cameraId,
      capturedAt: timestampFromDate(now),
      sourceId: 'kuzet-demo',
      payload: sos
        ? {
            case: 'alarm',
            value: {
              kind: AlarmKind.SOS_BUTTON,
              priority: AlarmPriority.CRITICAL,
              message: 'SOS button pressed (demo)',
            },
          }
        : { case: 'faceFrame', value: { jpeg: this.frames[index % this.frames.length]! } },
    });
    const events = [event, this.plateRead(index, now)];
    if (index % ANALYTICS_EVERY === ANALYTICS_EVERY - 1) events.push(this.detection(index, now));
    try {
      await this.bus.publish(
        TOPICS.cameraEvents,
        events.map((each) => ({
          key: each.cameraId,
          value: encodeCameraEvent(each),
          headers: CANONICAL_ENCODING_HEADERS,
        })),
      );
    } catch (error) {
      this.logger.warn({ err: String(error) }, 'demo event not published');
    }
  }
}
