import { Logger } from '@nestjs/common';
import { AbstractLogger, LogLevel, LogMessage } from 'typeorm';

/** Sends TypeORM's own messages to the app's structured logger. Failed queries are not
 * logged here: they surface as exceptions to the caller, which knows whether they matter. */
export class TypeOrmNestLogger extends AbstractLogger {
  private readonly logger = new Logger('TypeORM');

  protected writeLog(level: LogLevel, logMessage: LogMessage | LogMessage[]): void {
    for (const message of Array.isArray(logMessage) ? logMessage : [logMessage]) {
      const text =
        typeof message.message === 'string' ? message.message : JSON.stringify(message.message);
      if (level === 'warn') this.logger.warn(text);
      else if (level === 'error') this.logger.error(text);
      else this.logger.log(text);
    }
  }
}
