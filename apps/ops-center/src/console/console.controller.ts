import { Controller, Get, Header, NotFoundException, Param, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { Public } from '@kuzet/auth';
import { ApiResult } from '@kuzet/http';
import { projectRoot } from '@kuzet/platform';

/** dist/console holds the built web console (vite), next to the compiled apps. */
const CONSOLE_ROOT = join(projectRoot(), 'dist/console');
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.wav': 'audio/wav',
};

@Controller('console')
@Public()
export class ConsoleController {
  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @ApiResult.file('text/html')
  index(): Promise<Buffer> {
    return readFile(join(CONSOLE_ROOT, 'index.html')).catch(() => {
      throw new NotFoundException('the console is not built: run npm run build');
    });
  }

  @Get('assets/:file')
  @ApiResult.file('application/octet-stream')
  async asset(@Param('file') file: string, @Res() reply: FastifyReply): Promise<void> {
    const path = normalize(join(CONSOLE_ROOT, 'assets', file));
    if (!path.startsWith(join(CONSOLE_ROOT, 'assets')) || !CONTENT_TYPES[extname(path)]) {
      throw new NotFoundException();
    }
    const body = await readFile(path).catch(() => null);
    if (!body) throw new NotFoundException();
    await reply
      .header('Content-Type', CONTENT_TYPES[extname(path)]!)
      .header('Cache-Control', 'public, max-age=31536000, immutable')
      .send(body);
  }
}
