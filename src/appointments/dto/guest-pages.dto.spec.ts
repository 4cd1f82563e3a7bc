import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { parse } from 'node:querystring';
import { ManageRescheduleDto } from './guest-pages.dto';

const OPTIONS = { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true };

describe(ManageRescheduleDto.name, () => {
  it('reads a form’s slot text as its number (the form parser makes objects without a prototype)', async () => {
    const form = parse('token=t.t.t&date=2030-03-06&requested_slot=58');
    const dto = plainToInstance(ManageRescheduleDto, form);
    await expect(validate(dto, OPTIONS)).resolves.toEqual([]);
    expect(dto.requested_slot).toBe(58);
  });

  it.each(['058', '5.8e1', ' 58', '0x3a', ''])('refuses a form slot spelled %j', async (text) => {
    const form = parse(`token=t.t.t&date=2030-03-06&requested_slot=${encodeURIComponent(text)}`);
    const problems = await validate(plainToInstance(ManageRescheduleDto, form), OPTIONS);
    expect(problems.map((problem) => problem.property)).toEqual(['requested_slot']);
  });

  it('still wants a number in JSON', async () => {
    const json = JSON.parse('{"token":"t.t.t","date":"2030-03-06","requested_slot":"58"}') as object;
    const problems = await validate(plainToInstance(ManageRescheduleDto, json), OPTIONS);
    expect(problems.map((problem) => problem.property)).toEqual(['requested_slot']);
  });
});
