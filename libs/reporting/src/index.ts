export * from './report.schemas';
export * from './monthly-report';
export * from './report-html';
export * from './demo-month';
