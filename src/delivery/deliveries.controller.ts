import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CurrentCaller } from '../access/access.decorators';
import { Caller } from '../access/caller';
import { IdParamPipe } from '../common/id-param.pipe';
import { ApiProblems } from '../common/swagger';
import { DeliveriesService } from './deliveries.service';
import { DeliveryPage, DeliveryView, ListDeliveriesQuery } from './dto/delivery.dto';

@ApiTags('deliveries')
@ApiBearerAuth()
@Controller('deliveries')
export class DeliveriesController {
  constructor(private readonly deliveries: DeliveriesService) {}

  @Get()
  @ApiOperation({
    summary: 'List the emails, texts and webhook calls the service sent, is sending or gave up on, newest first',
    description:
      "Who: the administrator sees every message; a provider's key those of its own appointments and webhooks; a client's key is refused. " +
      'Recipients are masked.',
  })
  @ApiResponse({ status: 200, type: DeliveryPage })
  @ApiProblems('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'RATE_LIMITED')
  listDeliveries(@Query() query: ListDeliveriesQuery, @CurrentCaller() caller: Caller): Promise<DeliveryPage> {
    return this.deliveries.list(query, caller);
  }

  @Post(':id/retry')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Queue a failed message again; it is tried at once, with a fresh day of retries',
    description: 'Who: the administrator. A message that is queued or sent is not retried (409 NOT_RETRYABLE).',
  })
  @ApiResponse({ status: 200, type: DeliveryView })
  @ApiProblems('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'NOT_RETRYABLE', 'RATE_LIMITED')
  retryDelivery(@Param('id', IdParamPipe) id: number, @CurrentCaller() caller: Caller): Promise<DeliveryView> {
    return this.deliveries.retry(id, caller);
  }
}
