import { Controller, Get, Header } from '@nestjs/common';
import { Public } from '@kuzet/auth';
import { ApiResult } from '@kuzet/http';

/** The console's icon, a shield, at the path browsers ask for on their own (an SVG: every
 * browser the centres use takes it from /favicon.ico by its content type). */
const ICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><path d="M16 2 4 6v9c0 7.4 5.1 13.4 12 15 6.9-1.6 12-7.6 12-15V6z" fill="#17324d"/><circle cx="16" cy="15" r="5" fill="#fff"/><circle cx="16" cy="15" r="2.2" fill="#c92a2a"/></svg>`;

@Controller()
@Public()
export class FaviconController {
  @Get('favicon.ico')
  @Header('Content-Type', 'image/svg+xml')
  @Header('Cache-Control', 'public, max-age=86400')
  @ApiResult.file('image/svg+xml')
  icon(): string {
    return ICON;
  }
}
