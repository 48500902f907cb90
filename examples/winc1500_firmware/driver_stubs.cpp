// SPDX-License-Identifier: MIT
// driver_stubs.cpp - weak definitions of the WINC1500 host driver functions the adapter calls,
// and of the board's TRNG, so that the firmware example links without the vendor's driver
// sources. A real build links Microchip's driver (and its BSP), whose strong definitions win.
// Each stub reports "nothing happened"; none allocates. Excluded from the footprint figures.
#include <cstdint>

#include <rtsp/adapters/winc1500/driver.hpp>

#define WEAK __attribute__((weak))

namespace rtsp::winc1500::driver {
extern "C" {
WEAK sint8 nm_bsp_init(void) { return M2M_SUCCESS; }
WEAK sint8 m2m_wifi_init(tstrWifiInitParam*) { return M2M_SUCCESS; }
WEAK sint8 m2m_wifi_deinit(void*) { return M2M_SUCCESS; }
WEAK sint8 m2m_wifi_handle_events(void*) { return M2M_SUCCESS; }
WEAK sint8 m2m_wifi_connect(char*, uint8, uint8, void*, uint16) { return M2M_SUCCESS; }
WEAK sint8 m2m_wifi_disconnect(void) { return M2M_SUCCESS; }
WEAK sint8 m2m_wifi_enable_ap(const tstrM2MAPConfig*) { return M2M_SUCCESS; }
WEAK sint8 m2m_wifi_disable_ap(void) { return M2M_SUCCESS; }
WEAK sint8 m2m_wifi_set_static_ip(tstrM2MIPConfig*) { return M2M_SUCCESS; }
WEAK sint8 m2m_wifi_enable_dhcp(uint8) { return M2M_SUCCESS; }
WEAK void socketInit(void) {}
WEAK void socketDeinit(void) {}
WEAK void registerSocketCallback(tpfAppSocketCb, tpfAppResolveCb) {}
WEAK SOCKET RTSP_WINC1500_SOCKET_FN(socket)(uint16, uint8, uint8) { return -1; }
WEAK sint8 RTSP_WINC1500_SOCKET_FN(bind)(SOCKET, sockaddr*, uint8) { return SOCK_ERR_INVALID_ARG; }
WEAK sint8 RTSP_WINC1500_SOCKET_FN(listen)(SOCKET, uint8) { return SOCK_ERR_INVALID_ARG; }
WEAK sint8 RTSP_WINC1500_SOCKET_FN(accept)(SOCKET, sockaddr*, uint8*) { return SOCK_ERR_INVALID_ARG; }
WEAK sint8 RTSP_WINC1500_SOCKET_FN(connect)(SOCKET, sockaddr*, uint8) { return SOCK_ERR_INVALID_ARG; }
WEAK sint16 RTSP_WINC1500_SOCKET_FN(send)(SOCKET, void*, uint16, uint16) { return SOCK_ERR_INVALID_ARG; }
WEAK sint16 RTSP_WINC1500_SOCKET_FN(sendto)(SOCKET, void*, uint16, uint16, sockaddr*, uint8) { return SOCK_ERR_INVALID_ARG; }
WEAK sint16 RTSP_WINC1500_SOCKET_FN(recv)(SOCKET, void*, uint16, uint32) { return SOCK_ERR_INVALID_ARG; }
WEAK sint16 RTSP_WINC1500_SOCKET_FN(recvfrom)(SOCKET, void*, uint16, uint32) { return SOCK_ERR_INVALID_ARG; }
WEAK sint8 RTSP_WINC1500_SOCKET_FN(close)(SOCKET) { return SOCK_ERR_INVALID_ARG; }
WEAK sint8 RTSP_WINC1500_SOCKET_FN(setsockopt)(SOCKET, uint8, uint8, const void*, uint16) { return SOCK_ERR_INVALID_ARG; }
}
}  // namespace rtsp::winc1500::driver

extern "C" WEAK std::uint64_t board_trng_u64() { return 0x2545F4914F6CDD1DULL; }
