export * from './vector-index';
export * from './search/watchlist-index';
export * from './admin/watchlist.dto';
export * from './admin/watchlist.repository';
export * from './admin/watchlist.service';
export * from './changes/watchlist-change.publisher';
export * from './enrolment/face-enrolment';
export * from './watchlist-admin.module';
