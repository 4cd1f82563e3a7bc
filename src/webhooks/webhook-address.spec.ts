import { hostOf, literalAddressOf, refusedAddressRange, webhookUrlFormProblem } from './webhook-address';

describe(refusedAddressRange.name, () => {
  const sut = refusedAddressRange;

  it.each([
    ['93.184.216.34'],
    ['8.8.8.8'],
    ['1.1.1.1'],
    ['172.32.0.1'],
    ['100.128.0.1'],
    ['2606:4700:4700::1111'],
    ['2001:4860:4860::8888'],
    ['::ffff:8.8.8.8'],
  ])('lets %s be called', (address) => {
    expect(sut(address)).toBeNull();
  });

  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.0.0.1', 'private'],
    ['10.255.255.255', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['100.127.255.254', 'carrierGradeNat'],
    ['169.254.169.254', 'linkLocal'],
    ['169.254.0.1', 'linkLocal'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['255.255.255.255', 'broadcast'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['192.0.2.1', 'reserved'],
    ['240.0.0.1', 'reserved'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'linkLocal'],
    ['fc00::1', 'uniqueLocal'],
    ['fd12:3456:789a::1', 'uniqueLocal'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'reserved'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:169.254.169.254', 'linkLocal'],
    ['64:ff9b::7f00:1', 'rfc6052'],
    ['2002:7f00:1::1', '6to4'],
    ['2001::1', 'teredo'],
    // IPv4-compatible (::/96, deprecated): a host with an automatic tunnel reaches the IPv4 address it carries.
    ['::7f00:1', 'ipv4Compatible'],
    ['::a00:1', 'ipv4Compatible'],
    ['::808:808', 'ipv4Compatible'],
  ])('refuses %s (%s)', (address, range) => {
    expect(sut(address)).toBe(range);
  });

  it('refuses what is no address', () => {
    expect(sut('localhost')).toBe('not an IP address');
  });
});

describe(webhookUrlFormProblem.name, () => {
  const sut = webhookUrlFormProblem;

  it.each([
    ['https://hooks.example.com/scheduler'],
    ['http://203.0.113.9:8080/x?y=1'],
    ['https://[2606:4700::1]/'],
    [`https://h.example/${'a'.repeat(2000)}`],
  ])('accepts %s', (url) => {
    expect(sut(url)).toBeUndefined();
  });

  it.each([
    ['hooks.example.com/scheduler', 'url must be an absolute URL such as https://hooks.example.com/scheduler'],
    ['not a url', 'url must be an absolute URL such as https://hooks.example.com/scheduler'],
    ['ftp://hooks.example.com/x', 'url must start with http:// or https://'],
    ['file:///etc/passwd', 'url must start with http:// or https://'],
    ['javascript:alert(1)', 'url must start with http:// or https://'],
    ['gopher://127.0.0.1:6379/_INFO', 'url must start with http:// or https://'],
    [`https://h.example/${'a'.repeat(2048)}`, 'url must be at most 2048 characters'],
  ])('refuses %s', (url, problem) => {
    expect(sut(url)).toBe(problem);
  });
});

describe(hostOf.name, () => {
  it.each([
    ['https://[::1]:8443/x', '::1', '::1'],
    ['http://127.0.0.1/', '127.0.0.1', '127.0.0.1'],
    // The URL parser reads the old numeric forms as the address they are.
    ['http://2130706433/', '127.0.0.1', '127.0.0.1'],
    ['http://0x7f.1/', '127.0.0.1', '127.0.0.1'],
    ['http://[::ffff:7f00:1]/', '::ffff:7f00:1', '::ffff:7f00:1'],
    ['http://[::127.0.0.1]/', '::7f00:1', '::7f00:1'],
    ['https://Hooks.Example.com/', 'hooks.example.com', null],
  ])('%s → host %s, literal %s', (url, host, literal) => {
    expect(hostOf(new URL(url))).toBe(host);
    expect(literalAddressOf(new URL(url))).toBe(literal);
    if (literal !== null) expect(refusedAddressRange(literal)).not.toBeNull();
  });
});
