export * from './plates/normalise';
export * from './matching/plate-index';
export * from './lists/vehicle-list.dto';
export * from './lists/vehicle-list.repository';
export * from './lists/vehicle-list.service';
export * from './lists/vehicle-list-change.publisher';
export * from './vehicle-lists.module';
