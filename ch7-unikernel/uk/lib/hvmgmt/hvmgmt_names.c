/* Names of the management calls' answers, for the MVM's messages. */
#include "hvmgmt/hvmgmt.h"

const char *hvmgmt_error_name(long error)
{
	/* SBI's standard error codes (SBI specification, "Binary Encoding"). */
	static const char *const names[] = {
	    "SBI_SUCCESS",
	    "SBI_ERR_FAILED",
	    "SBI_ERR_NOT_SUPPORTED",
	    "SBI_ERR_INVALID_PARAM",
	    "SBI_ERR_DENIED",
	    "SBI_ERR_INVALID_ADDRESS",
	    "SBI_ERR_ALREADY_AVAILABLE",
	    "SBI_ERR_ALREADY_STARTED",
	    "SBI_ERR_ALREADY_STOPPED",
	    "SBI_ERR_NO_SHMEM",
	};
	if (error <= 0 && -error < (long)(sizeof(names) / sizeof(names[0])))
		return names[-error];
	return "SBI error (unknown code)";
}

const char *hvmgmt_state_name(uint32_t state)
{
	switch (state) {
	case HVMGMT_STATE_CREATED:
		return "created";
	case HVMGMT_STATE_RUNNING:
		return "running";
	case HVMGMT_STATE_STOPPED:
		return "stopped";
	case HVMGMT_STATE_FAILED:
		return "failed";
	default:
		return "unknown";
	}
}
