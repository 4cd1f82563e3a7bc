import { Controller, Get, Res } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../access/access.decorators';
import { HealthService, HealthView } from './health.service';

class HelloView {
  @ApiProperty({ example: 'Hello from the scheduler' }) message: string;
}

@ApiTags('health')
@Public()
@Controller()
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get('hello')
  @ApiOperation({ summary: 'Smoke test' })
  @ApiResponse({ status: 200, type: HelloView })
  hello(): HelloView {
    return { message: 'Hello from the scheduler' };
  }

  @Get('health')
  @ApiOperation({ summary: 'Whether the database and the hold store answer' })
  @ApiResponse({ status: 200, type: HealthView })
  @ApiResponse({ status: 503, type: HealthView, description: 'A backing service does not answer' })
  async checkHealth(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthView> {
    const view = await this.health.check();
    reply.status(view.status === 'ok' ? 200 : 503);
    return view;
  }
}
