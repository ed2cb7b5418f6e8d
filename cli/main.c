/* etlconn command-line tool (placeholder until the CLI lands). */
#include <stdio.h>

#include "etlconn/etlconn.h"

int main(void)
{
    printf("etlconn %s\n", etlc_version());
    return 0;
}
