// SPDX-License-Identifier: MIT
// rtsp/adapters/winc1500/driver.hpp - the part of the Microchip WINC1500 host driver's C API
// that rtsp/adapters/winc1500.hpp calls: types, constants and prototypes (19.6/19.7 ABI).
//
// Why declare them here instead of including the vendor's socket.h / m2m_wifi.h: those headers
// pull in the driver's BSP configuration and, on a host, clash with libc (bare socket/bind/close,
// `uint32` as unsigned long). Declaring the ABI lets the adapter compile for the firmware, for
// the host emulation in tests/winc1500 and in the header self-containment tests alike. A TU
// that includes this header must not also include the vendor's socket.h or m2m_wifi.h (keep
// the vendor calls of your board bring-up in another TU).
//
// Symbol names: OpenMV builds the driver with WINC1500_EXPORT(name) = winc1500_##name for every
// BSD-looking socket call; WiFi101 and ASF export the bare names. Define
// RTSP_WINC1500_BARE_NAMES to link against the bare names.
//
// Sizes: uint32 is a fixed 32-bit type (the driver's `unsigned long` is 32-bit on Cortex-M, but
// 64-bit on an LP64 host, where it would change every struct below).
#pragma once

#include <cstdint>

#if defined(RTSP_WINC1500_BARE_NAMES)
#define RTSP_WINC1500_SOCKET_FN(name) name
#else
#define RTSP_WINC1500_SOCKET_FN(name) winc1500_##name
#endif

namespace rtsp::winc1500::driver {

using uint8 = std::uint8_t;
using uint16 = std::uint16_t;
using uint32 = std::uint32_t;
using sint8 = std::int8_t;
using sint16 = std::int16_t;
using SOCKET = sint8;

// --- socket constants (socket.h) --------------------------------------------------------------
inline constexpr uint16 AF_INET_ = 2;  // trailing _: libc's AF_INET is a macro on hosts
inline constexpr uint8 SOCK_STREAM_ = 1;
inline constexpr uint8 SOCK_DGRAM_ = 2;
inline constexpr uint16 SOCKET_BUFFER_MAX_LENGTH = 1400;
inline constexpr int TCP_SOCK_MAX = 7;
inline constexpr int UDP_SOCK_MAX = 4;
inline constexpr int MAX_SOCKET = TCP_SOCK_MAX + UDP_SOCK_MAX;
inline constexpr uint8 SOL_SOCKET_ = 1;
inline constexpr uint8 SO_SET_UDP_SEND_CALLBACK = 0x00;

inline constexpr sint8 SOCK_ERR_NO_ERROR = 0;
inline constexpr sint8 SOCK_ERR_INVALID_ADDRESS = -1;
inline constexpr sint8 SOCK_ERR_ADDR_ALREADY_IN_USE = -2;
inline constexpr sint8 SOCK_ERR_MAX_TCP_SOCK = -3;
inline constexpr sint8 SOCK_ERR_MAX_UDP_SOCK = -4;
inline constexpr sint8 SOCK_ERR_INVALID_ARG = -6;
inline constexpr sint8 SOCK_ERR_MAX_LISTEN_SOCK = -7;
inline constexpr sint8 SOCK_ERR_INVALID = -9;
inline constexpr sint8 SOCK_ERR_ADDR_IS_REQUIRED = -11;
inline constexpr sint8 SOCK_ERR_CONN_ABORTED = -12;
inline constexpr sint8 SOCK_ERR_TIMEOUT = -13;
inline constexpr sint8 SOCK_ERR_BUFFER_FULL = -14;

// tenuSocketCallbackMsgType
inline constexpr uint8 SOCKET_MSG_BIND = 1;
inline constexpr uint8 SOCKET_MSG_LISTEN = 2;
inline constexpr uint8 SOCKET_MSG_DNS_RESOLVE = 3;
inline constexpr uint8 SOCKET_MSG_ACCEPT = 4;
inline constexpr uint8 SOCKET_MSG_CONNECT = 5;
inline constexpr uint8 SOCKET_MSG_RECV = 6;
inline constexpr uint8 SOCKET_MSG_SEND = 7;
inline constexpr uint8 SOCKET_MSG_SENDTO = 8;
inline constexpr uint8 SOCKET_MSG_RECVFROM = 9;

struct in_addr {
    uint32 s_addr;  ///< network byte order
};
struct sockaddr {
    uint16 sa_family;
    uint8 sa_data[14];
};
struct sockaddr_in {
    uint16 sin_family;
    uint16 sin_port;  ///< network byte order
    in_addr sin_addr;
    uint8 sin_zero[8];
};
static_assert(sizeof(sockaddr) == 16 && sizeof(sockaddr_in) == 16, "driver ABI: 16-byte addresses");

struct tstrSocketBindMsg { sint8 status; };
struct tstrSocketListenMsg { sint8 status; };
struct tstrSocketAcceptMsg {
    SOCKET sock;
    sockaddr_in strAddr;
};
struct tstrSocketConnectMsg {
    SOCKET sock;
    sint8 s8Error;
};
struct tstrSocketRecvMsg {
    uint8* pu8Buffer;
    sint16 s16BufferSize;
    uint16 u16RemainingSize;
    sockaddr_in strRemoteAddr;
};

using tpfAppSocketCb = void (*)(SOCKET sock, uint8 u8Msg, void* pvMsg);
using tpfAppResolveCb = void (*)(uint8* pu8DomainName, uint32 u32ServerIP);

// --- WiFi (m2m_types.h, m2m_wifi.h) ---------------------------------------------------------
inline constexpr uint8 M2M_WIFI_SEC_INVALID = 0;
inline constexpr uint8 M2M_WIFI_SEC_OPEN = 1;
inline constexpr uint8 M2M_WIFI_SEC_WPA_PSK = 2;
inline constexpr uint8 M2M_WIFI_SEC_WEP = 3;
inline constexpr uint8 M2M_WIFI_SEC_802_1X = 4;
inline constexpr uint16 M2M_WIFI_CH_ALL = 255;
inline constexpr int M2M_MAX_SSID_LEN = 33;  // with the NUL
inline constexpr int M2M_MAX_PSK_LEN = 65;   // with the NUL

inline constexpr uint8 M2M_WIFI_RESP_CON_STATE_CHANGED = 44;
inline constexpr uint8 M2M_WIFI_REQ_DHCP_CONF = 50;
inline constexpr uint8 M2M_WIFI_RESP_IP_CONFLICT = 52;
inline constexpr uint8 M2M_WIFI_REQ_DHCP_FAILURE = 61;

inline constexpr uint8 M2M_WIFI_DISCONNECTED = 0;
inline constexpr uint8 M2M_WIFI_CONNECTED = 1;
// tenuM2mConnChangedErrcode (u8ErrCode of a DISCONNECTED state change)
inline constexpr uint8 M2M_ERR_SCAN_FAIL = 1;
inline constexpr uint8 M2M_ERR_JOIN_FAIL = 2;
inline constexpr uint8 M2M_ERR_AUTH_FAIL = 3;
inline constexpr uint8 M2M_ERR_ASSOC_FAIL = 4;
inline constexpr uint8 M2M_ERR_CONN_INPROGRESS = 5;

inline constexpr sint8 M2M_SUCCESS = 0;

struct tstrM2mWifiStateChanged {
    uint8 u8CurrState;
    uint8 u8ErrCode;
    uint8 pad[2];
};
struct tstrM2MIPConfig {  ///< every field in network byte order
    uint32 u32StaticIP;
    uint32 u32Gateway;
    uint32 u32DNS;
    uint32 u32AlternateDNS;
    uint32 u32SubnetMask;
    uint32 u32DhcpLeaseTime;
};
struct tstrM2MAPConfig {
    uint8 au8SSID[33];
    uint8 u8ListenChannel;
    uint8 u8KeyIndx;
    uint8 u8KeySz;
    uint8 au8WepKey[27];
    uint8 u8SecType;
    uint8 u8SsidHide;
    uint8 au8DHCPServerIP[4];
    uint8 au8Key[65];
    uint8 __PAD16__[2];
};
using tpfAppWifiCb = void (*)(uint8 u8MsgType, void* pvMsg);
using tpfAppMonCb = void (*)(void* pstrWifiRxPacket, uint8* pu8Payload, uint16 u16PayloadSize);
using tpfAppEthCb = void (*)(uint8 u8MsgType, void* pvMsg, void* pvCtrlBuf);
struct tstrEthInitParam {
    tpfAppWifiCb pfAppWifiCb;
    tpfAppEthCb pfAppEthCb;
    uint8* au8ethRcvBuf;
    uint16 u16ethRcvBufSize;
    uint8 u8EthernetEnable;
    uint8 __PAD8__;
};
struct tstrWifiInitParam {
    tpfAppWifiCb pfAppWifiCb;
    tpfAppMonCb pfAppMonCb;
    tstrEthInitParam strEthInitParam;
};

extern "C" {
// BSP and WiFi (never prefixed)
sint8 nm_bsp_init(void);
sint8 m2m_wifi_init(tstrWifiInitParam* param);
sint8 m2m_wifi_deinit(void* arg);
sint8 m2m_wifi_handle_events(void* arg);
sint8 m2m_wifi_connect(char* pcSsid, uint8 u8SsidLen, uint8 u8SecType, void* pvAuthInfo, uint16 u16Ch);
sint8 m2m_wifi_disconnect(void);
sint8 m2m_wifi_enable_ap(const tstrM2MAPConfig* pstrM2MAPConfig);
sint8 m2m_wifi_disable_ap(void);
sint8 m2m_wifi_set_static_ip(tstrM2MIPConfig* pstrStaticIPConf);
sint8 m2m_wifi_enable_dhcp(uint8 u8DhcpEn);

// sockets (socketInit and registerSocketCallback are never prefixed)
void socketInit(void);
void socketDeinit(void);
void registerSocketCallback(tpfAppSocketCb socket_cb, tpfAppResolveCb resolve_cb);
SOCKET RTSP_WINC1500_SOCKET_FN(socket)(uint16 u16Domain, uint8 u8Type, uint8 u8Flags);
sint8 RTSP_WINC1500_SOCKET_FN(bind)(SOCKET sock, sockaddr* pstrAddr, uint8 u8AddrLen);
sint8 RTSP_WINC1500_SOCKET_FN(listen)(SOCKET sock, uint8 backlog);
sint8 RTSP_WINC1500_SOCKET_FN(accept)(SOCKET sock, sockaddr* addr, uint8* addrlen);
sint8 RTSP_WINC1500_SOCKET_FN(connect)(SOCKET sock, sockaddr* pstrAddr, uint8 u8AddrLen);
sint16 RTSP_WINC1500_SOCKET_FN(send)(SOCKET sock, void* pvSendBuffer, uint16 u16SendLength, uint16 u16Flags);
sint16 RTSP_WINC1500_SOCKET_FN(sendto)(SOCKET sock, void* pvSendBuffer, uint16 u16SendLength, uint16 flags,
                                       sockaddr* pstrDestAddr, uint8 u8AddrLen);
sint16 RTSP_WINC1500_SOCKET_FN(recv)(SOCKET sock, void* pvRecvBuf, uint16 u16BufLen, uint32 u32Timeoutmsec);
sint16 RTSP_WINC1500_SOCKET_FN(recvfrom)(SOCKET sock, void* pvRecvBuf, uint16 u16BufLen, uint32 u32TimeoutSeconds);
sint8 RTSP_WINC1500_SOCKET_FN(close)(SOCKET sock);
sint8 RTSP_WINC1500_SOCKET_FN(setsockopt)(SOCKET socket, uint8 u8Level, uint8 option_name,
                                          const void* option_value, uint16 u16OptionLen);
}

}  // namespace rtsp::winc1500::driver
