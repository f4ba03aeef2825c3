import { Module } from '@nestjs/common';
import { WatchlistAdminModule } from '@kuzet/watchlist';
import { VehicleListsModule } from '@kuzet/vehicles';
import { DemoReplay } from './demo.replay';

/** `npm start`'s demo: enrols the fixture faces and replays fixture images as camera events
 * (KUZET_DEMO=false turns it off). */
@Module({ imports: [WatchlistAdminModule, VehicleListsModule], providers: [DemoReplay] })
export class DemoModule {}
